"""Who is who: accounts and devices, passwords and signed tokens, API keys, sign-in
throttling, and the policy that decides who sees which order."""
