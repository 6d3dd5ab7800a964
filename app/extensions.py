"""Extension objects, created unbound here and bound to the app in `create_app`."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.htmx import htmx


class Base(DeclarativeBase):
    # Named constraints, so that migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

# The base class of every model. At run time it is `db.Model`, which Flask-SQLAlchemy makes from `Base` (adding the
# table name from the class name and the session's query); a type checker sees only an attribute of `db` there, not a
# class it can check, so it is told `Base`, whose columns and relationships are what the models declare.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
# Bound in create_app by the staff sign-in work, together with the StaffUser model it loads.
login = LoginManager()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()

__all__ = ["Base", "Model", "babel", "compress", "csrf", "db", "htmx", "limiter", "login", "migrate"]
