"""The HTTP kernel: what every context's routes and pages share, so each writes it once.

- `errors`: the API's error type (`ApiError`) and its one JSON shape, and the page and 503 errors;
- `services`: the app's services (settings, engine, clock, templates, ...) as one typed, frozen object;
- `session`: the request's unit of work (`DbSession`);
- `schema`: the guard that answers 503 "run hotdash db upgrade" on a database not at the code's revision;
- `pages`: the Jinja environment and `render_page`, the one way to render a page;
- `clock`: the request clock, "now" from the services' clock.
"""
