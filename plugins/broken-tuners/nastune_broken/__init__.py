"""Deliberately broken tuner plugins, used only by nastune's registry tests."""
