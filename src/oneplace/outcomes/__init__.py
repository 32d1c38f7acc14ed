"""The outcomes framework: the indicator library, indicator values with confidence limits,
fair comparison across units, and the partnership's scored framework and incentive pool."""
