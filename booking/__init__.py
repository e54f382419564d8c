"""Booking domain: opening hours, availability, appointments. Pure: no I/O imports."""
