"""Uncertainty: Monte Carlo draws of intensities, final demand and technology/trade, on Dask.

* :mod:`~mrio_city.analyses.uncertainty.draws`: what is drawn, default CVs and their reasons,
  one reproducible random stream per draw;
* :mod:`~mrio_city.analyses.uncertainty.montecarlo`: F/Y draws on one factorization (exact
  batched products), A draws on Dask workers, parquet streaming with resume;
* :mod:`~mrio_city.analyses.uncertainty.store`: the draws folder (whole parquet parts, resume,
  the run record);
* :mod:`~mrio_city.analyses.uncertainty.summary`: intervals and probabilities from the draws.
"""
