"""The reference for opencpd_domain::evaluation::did: statsmodels' OLS with a dummy per
unit and per round, standard errors clustered by cluster (CR1) and t intervals.

Reads CSV on standard input with columns unit, cluster, round, y and the treatment
columns named on the command line; prints JSON {params, bse, conf_int, nobs, df_resid_inference}
for those columns. Needs: pip install statsmodels pandas
"""
import io
import json
import sys

import pandas as pd
import statsmodels.formula.api as smf

terms = sys.argv[1:]
data = pd.read_csv(io.StringIO(sys.stdin.read()))
formula = "y ~ C(unit) + C(round) + " + " + ".join(terms)
fit = smf.ols(formula, data).fit(cov_type="cluster", cov_kwds={"groups": data["cluster"]}, use_t=True)
ci = fit.conf_int(alpha=0.05)
print(json.dumps({
    "params": [float(fit.params[t]) for t in terms],
    "bse": [float(fit.bse[t]) for t in terms],
    "conf_int": [[float(ci.loc[t, 0]), float(ci.loc[t, 1])] for t in terms],
    "nobs": int(fit.nobs),
    "df_resid_inference": float(fit.df_resid_inference),
}))
