# Measures encoding-hierarchy (pixels, gabor, every resnet18 stage) on the digits and Allen samples through the REST API
# of a running server: /usr/bin/python3 bench/hierarchy_api.py http://127.0.0.1:5180 (prints mean test r [95% interval] per stage).
import sys, time
from neurolab_api import Api
base = sys.argv[1].rstrip('/')
api = Api(base)
api.sign_up('m')
ws = api.call('POST', '/api/v1/workspaces', {'name': 'hier'})['id']
stages = ["pixels", "gabor", "resnet18:stem", "resnet18:layer1", "resnet18:layer2", "resnet18:layer3", "resnet18:layer4", "resnet18:pool"]
for sample in ['vangerven-digits', 'allen-v1']:
    ds = api.call('POST', f'/api/v1/workspaces/{ws}/datasets', {'sample': sample})
    ds = ds.get('dataset', ds)
    detail = api.call('GET', f"/api/v1/datasets/{ds['id']}")
    rs = detail['responseSets'][0]['id']
    t0 = time.time()
    run = api.call('POST', f'/api/v1/workspaces/{ws}/runs', {'kind': 'encoding-hierarchy', 'datasetId': ds['id'], 'seed': 1,
               'parameters': {'responseSetId': rs, 'stages': stages}})
    r, s = api.finished(run['id'], poll_s=2)
    print(sample, r['status'], f"{time.time() - t0:.1f} s", r.get('error'))
    g = s['groups'][0]
    for i, st in enumerate(s['stages']):
        print(f"  {st:18s} {g['meanTestR'][i]:.3f} [{g['ciLow'][i]:.3f}, {g['ciHigh'][i]:.3f}]")
