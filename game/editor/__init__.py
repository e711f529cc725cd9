"""The level editor's logic, without pygame: the document (a level file edited in place with tomlkit, so
comments and formatting survive), edits as undoable commands, a form description generated from the level
schema, per-field validation, the background preview and check runs, safe saving and draft autosave.

The editor scene (game/app/scenes/editor.py) only draws this and turns input into edits.
"""
