"""Enums and value objects shared by the policy engine, services and models."""
