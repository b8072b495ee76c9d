"""Reads of the partners app, one module per concept."""

from partners.selectors.contacts import contact_in, contacts_of, firm_contacts, firms_visible_to

__all__ = ["contact_in", "contacts_of", "firm_contacts", "firms_visible_to"]
