"""A small parser for the condition expressions of XLSForm (`relevant`) and LimeSurvey
(relevance equations): only the shapes a condition of the definition can say."""

import re
from dataclasses import dataclass


class Unsupported(ValueError):
    """An expression (or part of one) that has no counterpart; the message says why."""


@dataclass(frozen=True)
class Var:
    name: str
    attribute: str = ""


@dataclass(frozen=True)
class Lit:
    value: str | float


@dataclass(frozen=True)
class Cmp:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


@dataclass(frozen=True)
class Unreadable:
    """An expression that could not be parsed; translating it fails with the reason."""

    reason: str


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<field>\$\{\s*(?P<field_name>[^}\s]+)\s*\})
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|<=|>=|&&|\|\||<|>|=|!|\(|\)|,)
    | (?P<path>\.\./[A-Za-z_][\w.-]*|\.(?![\w]))
    | (?P<name>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)
    )""", re.VERBOSE)
_WORD_OPS = {"and": "and", "or": "or", "eq": "==", "ne": "!=", "lt": "<", "le": "<=",
             "gt": ">", "ge": ">="}
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "=")


def _tokens(text: str) -> list[tuple[str, object]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Unsupported(f"cannot read {text[position:position + 20]!r}")
        position = match.end()
        if match["field"]:
            tokens.append(("var", Var(match["field_name"])))
        elif match["string"]:
            tokens.append(("lit", Lit(match["string"][1:-1])))
        elif match["number"]:
            tokens.append(("lit", Lit(float(match["number"]))))
        elif match["op"]:
            op = {"&&": "and", "||": "or"}.get(match["op"], match["op"])
            tokens.append(("op", op))
        elif match["path"]:
            tokens.append(("var", Var(match["path"].removeprefix("../"))))
        else:
            word = match["name"]
            if word.lower() in _WORD_OPS:
                tokens.append(("op", _WORD_OPS[word.lower()]))
            elif word.lower() in ("true", "false"):
                tokens.append(("lit", Lit(1.0 if word.lower() == "true" else 0.0)))
            else:
                name, _dot, attribute = word.partition(".")
                tokens.append(("name", Var(name, attribute)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self, kind=None, value=None):
        if self.at >= len(self.tokens):
            return None
        token = self.tokens[self.at]
        if (kind and token[0] != kind) or (value is not None and token[1] != value):
            return None
        return token

    def take(self, kind=None, value=None):
        token = self.peek(kind, value)
        if token is None:
            raise Unsupported("unexpected end or token")
        self.at += 1
        return token

    def parse(self):
        node = self.disjunction()
        if self.at != len(self.tokens):
            raise Unsupported(f"unexpected {self.tokens[self.at][1]!r}")
        return node

    def disjunction(self):
        parts = [self.conjunction()]
        while self.peek("op", "or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self):
        parts = [self.negation()]
        while self.peek("op", "and"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def negation(self):
        if self.peek("op", "!"):
            self.take()
            return Not(self.negation())
        return self.comparison()

    def comparison(self):
        left = self.primary()
        token = self.peek("op")
        if token and token[1] in COMPARISONS:
            self.take()
            op = "==" if token[1] == "=" else token[1]
            return Cmp(op, left, self.primary())
        return left

    def primary(self):
        if self.peek("op", "("):
            self.take()
            node = self.disjunction()
            self.take("op", ")")
            return node
        kind, value = self.take()
        if kind == "name" and self.peek("op", "("):
            self.take()
            args = []
            if not self.peek("op", ")"):
                args.append(self.disjunction())
                while self.peek("op", ","):
                    self.take()
                    args.append(self.disjunction())
            self.take("op", ")")
            if value.name.lower() == "not" and len(args) == 1:
                return Not(args[0])
            return Call(value.name.lower(), tuple(args))
        if kind in ("var", "name", "lit"):
            return value
        raise Unsupported(f"unexpected {value!r}")


def parse_expression(text: str):
    """The syntax tree of an expression, or Unsupported."""
    return _Parser(text).parse()


def parse_or_unreadable(text: str):
    """The syntax tree of an expression, or an Unreadable node saying why there is none."""
    try:
        return parse_expression(text)
    except Unsupported as unsupported:
        return Unreadable(f"cannot be read: {unsupported}")
