"""The Discord extensions, one folder a feature (python-discord style): each module with a ``setup``
is an extension listed in :data:`bot.app.EXTENSIONS`. Thin: parse the interaction, call a service,
render the answer. An extension never imports another feature's extension."""
