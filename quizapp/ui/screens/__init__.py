"""The app's screens: one module and one .kv file each, imported when first opened."""
