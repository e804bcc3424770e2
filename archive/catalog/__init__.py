"""The catalog: SQLModel tables and the engine that holds them."""
