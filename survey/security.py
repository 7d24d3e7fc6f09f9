"""Security headers on every response; HTTPS behind trusted proxies; no caching of pages
for signed-in users; oversized uploads refused before any view runs."""

from flask import abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from survey.sessions import signed_in

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def set_security_headers(response):
    """CSP without inline scripts, no framing, no sniffing, and no referrer; HSTS on HTTPS;
    and no-store for signed-in users. (A refused upload's connection is closed by the server,
survey/serving.py: WSGI apps may not send `Connection`.)

    No referrer at all, because a resume link carries its token in the path.
    """
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    hsts = int(current_app.config["HSTS_SECONDS"])
    if request.is_secure and hsts > 0:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    if request.endpoint != "static" and signed_in():
        response.headers["Cache-Control"] = "no-store"
    return response


def refuse_oversized_body():
    """before_request: a declared body over the request's limit (MAX_CONTENT_LENGTH, or more
    where a view allows it) is refused before any view runs, on every route (Werkzeug alone
    refuses only where the body is read)."""
    limit = request.max_content_length
    if limit and (request.content_length or 0) > limit:
        abort(413)


def init_app(app):
    """Trust the configured number of proxies, and send the headers on every response."""
    hops = int(app.config["PROXY_FIX_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops)
    app.before_request(refuse_oversized_body)
    app.after_request(set_security_headers)
