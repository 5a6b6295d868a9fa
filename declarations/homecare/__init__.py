"""Home care of F0 patients (seed 002): daily reports, danger signs, missed reports."""
