"""Application factory: configuration, extensions, blueprints and CLI."""

import os
from pathlib import Path

from flask import Flask


def create_app(config=None):
    """Build the Resonanz app; `config` (a mapping) overrides everything else."""
    # The instance folder (config.py, the SQLite database, frames, exports) may live outside
    # the code, e.g. /var/lib/resonanz: RESONANZ_INSTANCE_PATH.
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("RESONANZ_INSTANCE_PATH") or None)
    from survey.config import Defaults, check_production_config

    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("RESONANZ")
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", None)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        database = Path(app.instance_path) / "resonanz.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    check_production_config(app)

    from reports import cli as reports_cli
    from reports import discussion_views, exports_web
    from reports import views as findings
    from survey import (
        access_log,
        account,
        accounts,
        admin,
        api,
        authoring_views,
        backups,
        cli,
        database,
        errors,
        guards,
        health,
        i18n,
        mail,
        main,
        mixer,
        outages,
        ratelimits,
        security,
        sessions,
        taking,
    )
    from survey.discussion import moderation_views
    from survey.discussion import views as discussion
    from survey.extensions import babel, csrf, db, limiter, login_manager, migrate

    database.configure_engine(app)
    ratelimits.configure_storage(app)
    db.init_app(app)
    database.init_app(app)
    access_log.init_app(app)
    mixer.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    mail.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    outages.init_app(app)
    guards.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    discussion.init_app(app)
    findings.init_app(app)
    exports_web.init_app(app)
    authoring_views.init_app(app)

    # The site's map: every blueprint, here and nowhere else.
    for blueprint in (health.bp, main.bp, taking.bp, accounts.bp, account.bp, api.bp,
                      discussion.bp,
                      moderation_views.bp, findings.bp, findings.api_bp,
                      discussion_views.bp, exports_web.bp, admin.bp, authoring_views.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)

    for command in (cli.survey_cli, cli.user_cli, reports_cli.demo_data_command,
                    reports_cli.release_cli, reports_cli.export_command,
                    backups.backup_command, backups.restore_command, cli.privacy_cli):
        app.cli.add_command(command)
    return app
