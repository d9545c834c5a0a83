"""The batch pipeline's library parts: the state machine definition, its role's statements, submit/status."""
