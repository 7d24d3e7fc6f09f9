"""Gunicorn settings for `make run`: `gunicorn -c python:survey.serving "app:create_app()"`.

The server's own access log stays off: it would write each client's address, the full path
(a resume link's token) and the user agent next to survey pages and submissions. The app
writes its own access log without them (`survey.access_log`). Whatever server replaces
gunicorn must likewise log no requests of its own.
"""

workers = 2
threads = 4
worker_class = "gthread"
accesslog = None  # gunicorn's access log: off (see above)
errorlog = "-"
loglevel = "info"
