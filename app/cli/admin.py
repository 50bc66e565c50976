"""Setting a database up: its first admin (and later ones), its schema brought up to
date, deterministic demo data in an empty one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.cli.common import operator, print_json, read_pin, say
from app.errors import BadInput

if TYPE_CHECKING:
    from app.bootstrap import Services


def cmd_create_admin(services: Services, args: argparse.Namespace) -> int:
    from app.domain.enums import Role
    from app.permissions import Action
    from app.services.demo_data import database_is_empty

    display = args.name or args.username
    first = database_is_empty(services.session_factory)
    # After the first admin, an admin signs in first (before the new PIN is asked).
    admin = None if first else operator(services, args, Action.MANAGE_USERS)
    pin = read_pin(f"PIN for the new admin {args.username} (6 to 12 digits): ")
    if pin != read_pin("The same PIN again: "):
        raise BadInput("The two PINs differ: nothing was created.")
    row = services.users.create_first_admin(args.username, display, pin) if admin is None \
        else services.users.create_user(admin, args.username, display, Role.ADMIN, pin)
    say(f"{row.username} is an admin now" + (": the database's first." if first else "."))
    print_json({"created": row.username, "role": row.role.value, "first_admin": first})
    return 0


def cmd_db_upgrade(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action
    from app.services.demo_data import database_is_empty

    if not database_is_empty(services.session_factory):
        operator(services, args, Action.MANAGE_USERS)
    say(f"The schema of {services.database_label} is up to date.")
    print_json({"database": services.database_label, "schema": "up to date"})
    return 0


def cmd_demo_data(services: Services, args: argparse.Namespace) -> int:
    from app.bootstrap import demo_places, warehouse_today
    from app.demo_history import load_demo

    today = args.today or warehouse_today(services)
    summary = load_demo(services.session_factory, orders=args.orders, seed=args.seed,
                        today=today, places=None if args.plain else demo_places(services.settings))
    say(f"Demo data for {args.orders} orders loaded (seed {args.seed}, today {today}).")
    print_json(summary)
    return 0
