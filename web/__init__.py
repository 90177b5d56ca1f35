"""Everything a browser receives: page handlers, jinja2 templates, static JS/CSS, translations.

Name clash warning: this package shares its name with `aiohttp.web`. Always write
`from aiohttp import web` and import our own modules explicitly (`from web.i18n import ...`).
"""
