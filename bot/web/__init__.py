"""The web panel: server-rendered pages (Starlette + Jinja2, autoescaped) for KAMs, the audit team, the
COO and the admins, on the same services as the Discord commands.

It runs inside the bot's process and event loop (:mod:`bot.web.server`), so roles are read from the
guild through the bot on every request and a decision taken on the web refreshes the Discord card and
tells the KAM through the same code as the card's button. :func:`bot.web.app.create_app` takes a
:class:`bot.web.context.WebContext` (settings, database, clock, role look-up, after-decision hook), so
tests and the benchmark build the app without Discord.
"""
