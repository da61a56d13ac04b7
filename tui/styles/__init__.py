"""Stylesheets (*.tcss) loaded through CSS_PATH."""
