#!/usr/bin/python3
"""Writes the ditstream plugin's documentation cache in hotdoc's gst_plugins_cache.json format
(what GStreamer's modules keep beside their sources and check in CI): elements, pad templates,
own properties, signals and the enums marked as plugin API. Debian ships no
gst-hotdoc-plugins-scanner, so this reads the same facts through GObject introspection.
Usage: plugins_cache.py BUILD_DIR OUT.json (GST_PLUGIN_PATH must find the plugin)."""

import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

MUTABLE = [(Gst.PARAM_MUTABLE_PLAYING, "playing"), (Gst.PARAM_MUTABLE_PAUSED, "paused"),
           (Gst.PARAM_MUTABLE_READY, "ready")]


def is_enum(spec):
    return GObject.type_is_a(spec.value_type, GObject.TYPE_ENUM)


def value_text(spec, value):
    if is_enum(spec):
        return "%s (%d)" % (value.value_nick, int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "%g" % value
    return "NULL" if value is None else str(value)


def property_entry(spec):
    flags = spec.flags
    entry = {
        "blurb": spec.blurb,
        "conditionally-available": False,
        "construct": bool(flags & GObject.ParamFlags.CONSTRUCT),
        "construct-only": bool(flags & GObject.ParamFlags.CONSTRUCT_ONLY),
        "controllable": bool(flags & Gst.PARAM_CONTROLLABLE),
        "default": value_text(spec, spec.default_value),
        "mutable": next((name for bit, name in MUTABLE if flags & bit), "null"),
        "readable": bool(flags & GObject.ParamFlags.READABLE),
        "type": spec.value_type.name,
        "writable": bool(flags & GObject.ParamFlags.WRITABLE),
    }
    for bound in ("minimum", "maximum"):
        if hasattr(spec, bound):
            entry[bound[:3]] = value_text(spec, getattr(spec, bound))
    return entry


def signal_entry(signal_id):
    query = GObject.signal_query(signal_id)
    entry = {"args": [{"name": "arg%d" % i, "type": t.name}
                      for i, t in enumerate(query.param_types)],
             "return-type": query.return_type.name, "when": "last"}
    if query.signal_flags & GObject.SignalFlags.ACTION:
        entry["action"] = True
    return entry


def enum_entry(spec):
    values = sorted(type(spec.default_value).__enum_values__.items())
    return {"kind": "enum", "values": [{"desc": v.value_name, "name": v.value_nick,
                                        "value": str(int(k))} for k, v in values]}


def element_entry(factory, element, enums):
    gtype = type(element).__gtype__
    hierarchy, t = [], gtype
    while t.name != "GObject":
        hierarchy.append(t.name)
        t = t.parent
    hierarchy.append("GObject")
    own = [s for s in GObject.list_properties(element) if s.owner_type == gtype]
    for spec in own:
        if is_enum(spec):
            enums[spec.value_type.name] = enum_entry(spec)
    return {
        "author": factory.get_metadata("author"),
        "description": factory.get_metadata("description"),
        "hierarchy": hierarchy,
        "klass": factory.get_metadata("klass"),
        "long-name": factory.get_metadata("long-name"),
        "pad-templates": {
            t.name_template: {"caps": t.get_caps().to_string(),
                              "direction": t.direction.value_nick,
                              "presence": t.presence.value_nick}
            for t in factory.get_static_pad_templates()},
        "properties": {s.name: property_entry(s) for s in sorted(own, key=lambda s: s.name)},
        "rank": "none" if factory.get_rank() == 0 else str(factory.get_rank()),
        "signals": {GObject.signal_name(i): signal_entry(i)
                    for i in GObject.signal_list_ids(gtype)},
    }


def main(build_dir, out):
    Gst.init(None)
    plugin = Gst.Registry.get().find_plugin("ditstream")
    if plugin is None:
        sys.exit("plugins_cache.py: GStreamer does not find the ditstream plugin")
    enums, elements = {}, {}
    for feature in Gst.Registry.get().get_feature_list_by_plugin("ditstream"):
        if isinstance(feature, Gst.ElementFactory):
            elements[feature.get_name()] = element_entry(feature, feature.create(None), enums)
    cache = {"ditstream": {
        "description": plugin.get_description(), "elements": elements,
        "filename": "gstditstream", "license": plugin.get_license(), "other-types": enums,
        "package": plugin.get_package(), "source": plugin.get_source(), "tracers": {},
        "url": plugin.get_origin()}}
    text = json.dumps(cache, indent=4, sort_keys=True).replace(build_dir, "@BUILD_DIR@")
    with open(out, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
