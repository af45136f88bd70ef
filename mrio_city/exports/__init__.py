"""Writers of results: charts (PNG), and later CSV and Excel exports.

Every writer writes atomically (a temporary file in the destination folder, then
``os.replace``) and imports its optional backend (matplotlib, openpyxl) lazily, so that
``import mrio_city`` never loads them.
"""
