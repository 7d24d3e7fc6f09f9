"""What the tests share: clients, accounts, the URL map, factories, seeded data."""
