"""The demo shop: a realistic Nordic online shop's database, its data and its manifest."""
