"""Ratings of the service by applicants (domain §2.7); the models arrive with the ratings work."""
