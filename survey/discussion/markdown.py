"""Comment Markdown to safe HTML: markdown-it-py's js-default preset, then nh3.

js-default already refuses raw HTML and unsafe link schemes; nh3 is the second,
independent line: only a short list of tags survives, links get
rel="nofollow ugc noopener", and only http, https and mailto links are kept.
"""

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "code", "pre", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("js-default").disable("image")


def render_comment(text: str) -> str:
    """Sanitized HTML for a comment written in Markdown."""
    html = _markdown.render(text)
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener", strip_comments=True,
    )
