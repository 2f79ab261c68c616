"""Studies: a design sheet, time bins, group statistics, an Excel workbook and a report.

Modules: :mod:`~openfield.study.design` (the design sheet and the results it
names), :mod:`~openfield.study.bins` (per-bin measures),
:mod:`~openfield.study.stats` (descriptives and tests),
:mod:`~openfield.study.analysis` (:func:`run_study`, tables in, tables out),
:mod:`~openfield.study.workbook` and :mod:`~openfield.study.report`
(``study.xlsx``, ``study.html``). These modules take and return tables; reading the design and the
results and writing the study's files is :mod:`openfield.pipeline.study`
(:func:`~openfield.pipeline.study.write_study`: read, run, write).
"""

from openfield.study.analysis import StudyTables, run_study

__all__ = ["StudyTables", "run_study"]
