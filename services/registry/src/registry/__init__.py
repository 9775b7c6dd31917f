"""The registry: the read side (cases, timelines, registrations, statistics, exports).

`domain/` folds events into typed state and derives the statistics' facts (pure);
`service/` holds the use cases (access policy, erasure, retention); `adapters/` the
SQL read model, the projector's group commits and the sealing of personal data;
`entrypoints/` the HTTP routers and the rebuild command; `bootstrap.py` wires it up.
"""
