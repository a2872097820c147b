"""The report layer: what the views say (``content``) and how each view is written (the
PowerPoint ``deck``, the Excel ``workbook``); :mod:`cspmodel.present` is its command line and
the page and slides.
"""
