"""The registry's adapters: the SQL read model, its writer and readers, sealing."""
