"""Rendering values and template files in a bounded sandbox.

context builds port()/url() and the registry data; sandbox and budget bound each render;
quickvalue renders one-call values without Jinja; renderer ties them together.
"""
