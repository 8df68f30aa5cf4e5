"""YAML reading in one place: parsers, the bounded node tree, resolver table, fast loader.

libyaml imports PyYAML's C binding; parsers configures libyaml and ruamel; nodetree builds
the editor's bounded tree; resolver is ruamel's plain-scalar table without ruamel; quickload
reads ports.yaml with positions.
"""
