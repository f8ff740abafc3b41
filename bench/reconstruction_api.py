# Reconstruction kinds on the van Gerven digits through the REST API of a running server, averaged over seeds as
# Du et al. 2017 do (mean +- sd of the per-run mean PixCorr, SSIM, MSE):
#   /usr/bin/python3 bench/reconstruction_api.py http://127.0.0.1:5180 [seeds]
# (server started with NeuroLab__Samples__MirrorDirectory=../shared/data).
import json, statistics, sys, time, urllib.request
base = sys.argv[1].rstrip('/')
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'content-type': 'application/json', **({'Authorization': 'Bearer ' + token} if token else {})})
    with urllib.request.urlopen(req) as r:
        t = r.read()
        return json.loads(t) if t else None
email, pw = f"r{int(time.time())}@lab.org", "a long passphrase 123"
call('POST', '/api/v1/account/register', {'email': email, 'password': pw})
tok = call('POST', '/api/v1/account/login', {'email': email, 'password': pw})['accessToken']
ws = call('POST', '/api/v1/workspaces', {'name': 'recon'}, tok)['id']
ds = call('POST', f'/api/v1/workspaces/{ws}/datasets', {'sample': 'vangerven-digits'}, tok)
ds = ds.get('dataset', ds)
rs = call('GET', f"/api/v1/datasets/{ds['id']}", None, tok)['responseSets'][0]['id']
for kind in ['reconstruction-ridge', 'reconstruction-decoder']:
    rows = []
    for seed in range(1, seeds + 1):
        run = call('POST', f'/api/v1/workspaces/{ws}/runs', {'kind': kind, 'datasetId': ds['id'], 'seed': seed, 'parameters': {'responseSetId': rs}}, tok)
        while True:
            r = call('GET', f"/api/v1/runs/{run['id']}", None, tok)
            if r['status'] in ('succeeded', 'failed', 'cancelled'):
                break
            time.sleep(1)
        s = (r['summary'] if 'summary' in r else json.loads(r['summaryJson']))['scores']
        rows.append((s['pixCorr']['mean'], s['ssim']['mean'], s['mse']['mean'], s.get('top1') or float('nan')))
    cols = list(zip(*rows))
    fmt = lambda c: f"{statistics.mean(c):.3f} +- {statistics.stdev(c) if len(c) > 1 else 0:.3f}"
    print(f"{kind:24s} seeds {seeds}: PixCorr {fmt(cols[0])}  SSIM {fmt(cols[1])}  MSE {fmt(cols[2])}  top-1 (pixels, of 10) {fmt(cols[3])}", flush=True)
