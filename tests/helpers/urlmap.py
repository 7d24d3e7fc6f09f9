"""The URL map, for tests parametrized over every route: a new route cannot slip past them."""

import functools

from werkzeug.routing import Rule

from app import create_app
from tests.helpers.database import SECRET_KEY


@functools.cache
def url_map_rules() -> tuple[Rule, ...]:
    """The URL rules of an app built as production builds it (read at collection, once)."""
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False})
    rules = tuple(app.url_map.iter_rules())
    with app.app_context():
        from survey.extensions import db

        db.engine.dispose()
    return rules


def rule_arguments(rule: Rule, values: dict | None = None) -> dict:
    """Arguments for every part of `rule`: from `values` by name, else a plain value that
    its converter takes (1 for a number, "x1" otherwise)."""
    values = values or {}
    arguments = {}
    for name in rule.arguments:
        number = type(rule._converters[name]).__name__ == "IntegerConverter"
        arguments[name] = values.get(name, 1 if number else "x1")
    return arguments


def rule_url(app, rule: Rule, values: dict | None = None, method: str | None = None) -> str:
    """The path of `rule` in `app`, its arguments from `values` (see `rule_arguments`)."""
    return app.url_map.bind("localhost").build(rule.endpoint, rule_arguments(rule, values),
                                               method=method)
