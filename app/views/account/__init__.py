"""The device and who uses it: signing in, the web view's access code, settings (storage,
the theme)."""
