# Measures encoding-hierarchy (pixels, gabor, every resnet18 stage) on the digits and Allen samples through the REST API
# of a running server: /usr/bin/python3 bench/hierarchy_api.py http://127.0.0.1:5180 (prints mean test r [95% interval] per stage).
import json, sys, time, urllib.request
base = sys.argv[1].rstrip('/')
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'content-type': 'application/json', **({'Authorization': 'Bearer ' + token} if token else {})})
    with urllib.request.urlopen(req) as r:
        t = r.read()
        return json.loads(t) if t else None
email, pw = f"m{int(time.time())}@lab.org", "a long passphrase 123"
call('POST', '/api/v1/account/register', {'email': email, 'password': pw})
tok = call('POST', '/api/v1/account/login', {'email': email, 'password': pw})['accessToken']
ws = call('POST', '/api/v1/workspaces', {'name': 'hier'}, tok)['id']
stages = ["pixels", "gabor", "resnet18:stem", "resnet18:layer1", "resnet18:layer2", "resnet18:layer3", "resnet18:layer4", "resnet18:pool"]
for sample in ['vangerven-digits', 'allen-v1']:
    ds = call('POST', f'/api/v1/workspaces/{ws}/datasets', {'sample': sample}, tok)
    ds = ds.get('dataset', ds)
    detail = call('GET', f"/api/v1/datasets/{ds['id']}", None, tok)
    rs = detail['responseSets'][0]['id']
    t0 = time.time()
    run = call('POST', f'/api/v1/workspaces/{ws}/runs', {'kind': 'encoding-hierarchy', 'datasetId': ds['id'], 'seed': 1,
               'parameters': {'responseSetId': rs, 'stages': stages}}, tok)
    while True:
        r = call('GET', f"/api/v1/runs/{run['id']}", None, tok)
        if r['status'] in ('succeeded', 'failed', 'cancelled'):
            break
        time.sleep(2)
    print(sample, r['status'], f"{time.time() - t0:.1f} s", r.get('error'))
    s = r['summary'] if 'summary' in r else json.loads(r['summaryJson'])
    g = s['groups'][0]
    for i, st in enumerate(s['stages']):
        print(f"  {st:18s} {g['meanTestR'][i]:.3f} [{g['ciLow'][i]:.3f}, {g['ciHigh'][i]:.3f}]")
