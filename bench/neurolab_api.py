# The small REST client the bench scripts share: JSON calls against a running NeuroLab server, and a fresh account.
import json, time, urllib.request


class Api:
    def __init__(self, base):
        self.base = base.rstrip('/')
        self.token = None

    def call(self, method, path, body=None):
        req = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={'content-type': 'application/json', **({'Authorization': 'Bearer ' + self.token} if self.token else {})})
        with urllib.request.urlopen(req) as r:
            t = r.read()
            return json.loads(t) if t else None

    def sign_up(self, prefix):
        """Registers a new account (e-mail from the clock) and keeps its bearer token for later calls."""
        email, pw = f"{prefix}{int(time.time())}@lab.org", "a long passphrase 123"
        self.call('POST', '/api/v1/account/register', {'email': email, 'password': pw})
        self.token = self.call('POST', '/api/v1/account/login', {'email': email, 'password': pw})['accessToken']

    def finished(self, run_id, poll_s=1):
        """Polls a run until it has succeeded, failed or been cancelled; returns the run and its summary (or None)."""
        while True:
            r = self.call('GET', f"/api/v1/runs/{run_id}")
            if r['status'] in ('succeeded', 'failed', 'cancelled'):
                return r, (r['summary'] if 'summary' in r else json.loads(r['summaryJson']) if r.get('summaryJson') else None)
            time.sleep(poll_s)
