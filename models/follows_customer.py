"""Records that belong to one customer and carry its confidentiality level.

A customer's visit, qualification, yearly sales or credit incident tells something
about the customer: whoever may not see the customer sees none of them. The row's level
is the customer's, set on every save (``derive``) and carried along when the customer's
level changes (``Classified.level_follows``, ``mixins._carry_levels``).
"""
from __future__ import annotations

from sqlalchemy.orm import object_session

from .customer import Customer


class FollowsCustomer:
    """The customer's level is the row's (``level_follows``)."""

    level_follows = "customer"

    def derive(self) -> None:
        customer = self.customer
        if customer is None and self.customer_id is not None:
            customer = object_session(self).get(Customer, self.customer_id)
        if customer is not None:
            self.level = customer.level
