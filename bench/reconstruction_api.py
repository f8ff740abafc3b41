# Reconstruction kinds on the van Gerven digits through the REST API of a running server, averaged over seeds as
# Du et al. 2017 do (mean +- sd of the per-run mean PixCorr, SSIM, MSE):
#   /usr/bin/python3 bench/reconstruction_api.py http://127.0.0.1:5180 [seeds]
# (server started with NeuroLab__Samples__MirrorDirectory=../shared/data).
import statistics, sys
from neurolab_api import Api
base = sys.argv[1].rstrip('/')
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
api = Api(base)
api.sign_up('r')
ws = api.call('POST', '/api/v1/workspaces', {'name': 'recon'})['id']
ds = api.call('POST', f'/api/v1/workspaces/{ws}/datasets', {'sample': 'vangerven-digits'})
ds = ds.get('dataset', ds)
rs = api.call('GET', f"/api/v1/datasets/{ds['id']}")['responseSets'][0]['id']
for kind in ['reconstruction-ridge', 'reconstruction-decoder']:
    rows = []
    for seed in range(1, seeds + 1):
        run = api.call('POST', f'/api/v1/workspaces/{ws}/runs', {'kind': kind, 'datasetId': ds['id'], 'seed': seed, 'parameters': {'responseSetId': rs}})
        s = api.finished(run['id'])[1]['scores']
        rows.append((s['pixCorr']['mean'], s['ssim']['mean'], s['mse']['mean'], s.get('top1') or float('nan')))
    cols = list(zip(*rows))
    fmt = lambda c: f"{statistics.mean(c):.3f} +- {statistics.stdev(c) if len(c) > 1 else 0:.3f}"
    print(f"{kind:24s} seeds {seeds}: PixCorr {fmt(cols[0])}  SSIM {fmt(cols[1])}  MSE {fmt(cols[2])}  top-1 (pixels, of 10) {fmt(cols[3])}", flush=True)
