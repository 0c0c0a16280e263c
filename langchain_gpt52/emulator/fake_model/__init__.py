"""The emulator's deterministic fake model: no I/O, standard library only.

`planning` decides the answer (content, refusal or tool calls), `tool_choice` and `tool_calls`
which tools to call and with what arguments, `values` the values found in the user's text,
`schema` JSON values valid against a schema, `text` the plain-text replies, `conversation` and
`tokens` how a request is read and counted, `usage` its prompt tokens.
"""
