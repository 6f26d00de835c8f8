"""A SQLite dialect whose URL carries a user and a password, as a
PostgreSQL URL does (``sqlite+withpassword://kfac:PASSWORD@localhost//abs/
path.db``), so that a test tunes with a known password without a database
server: the password goes through every path a PostgreSQL one would (the
command line, the file, the environment, Optuna's RDBStorage, SQLAlchemy's
engine and Alembic) and is then dropped when SQLite is opened."""
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

NAME = 'sqlite.withpassword'


class PasswordSQLite(SQLiteDialect_pysqlite):
    """pysqlite, once the URL's user, password and host are set aside."""

    supports_statement_cache = True

    def create_connect_args(self, url: Any) -> Any:
        return super().create_connect_args(url._replace(
            username=None, password=None, host=None, port=None))


def register() -> None:
    """Make ``sqlite+withpassword://`` known in this process."""
    registry.register(NAME, __name__, 'PasswordSQLite')
