"""Use cases the views call: `app.services.facade.Ordo` implements `app.services.types.Services`."""
