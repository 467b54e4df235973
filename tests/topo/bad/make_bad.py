#!/usr/bin/env python3
"""Regenerates the bad inputs of tests/topo/bad from the small fabric
(compact: ../input/small.json; explicit: ../golden/small/fabric.json).
Each mutation breaks one rule; expected.txt holds the error it must give."""
import copy
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
compact = json.load(open(os.path.join(here, '../input/small.json')))
explicit = json.load(open(os.path.join(here, '../golden/small/fabric.json')))


def mk(base, name, fn, indent=2):
    d = copy.deepcopy(base)
    fn(d['closbgp-fabric:fabric'])
    with open(os.path.join(here, name + '.json'), 'w') as f:
        json.dump(d, f, indent=indent)
        f.write('\n')


def dev(f, n):
    return [x for x in f['device'] if x['name'] == n][0]


def pools(f):
    return f['address-pools']


COMPACT = {
    'wrongtype': lambda f: f['shape'].update(planes='two'),
    'zeroplanes': lambda f: f['shape'].update(planes=0),
    'toomanyplanes': lambda f: f['shape'].update(planes=17),
    'unknownleaf': lambda f: f['shape'].update(spines=4),
    'missingplanes': lambda f: f['shape'].pop('planes'),
    'badprefix': lambda f: pools(f)['loopback'].update(ipv4='10.0.0.300/24'),
    'noloop': lambda f: pools(f).pop('loopback'),
    'loopexhaust': lambda f: pools(f)['loopback'].update(ipv4='10.0.0.0/29'),
    'p2pexhaust': lambda f: pools(f)['point-to-point'].update(ipv4='10.1.0.0/28'),
    'crosstier': lambda f: f.update({'asn-scheme': {'fsw': {'base': 65000}}}),
    'confedclash': lambda f: f.update({'asn-scheme': {
        'confederation': {'identifier-base': 65400}}}),
    'rswshare': lambda f: f.update({'asn-scheme': {
        'rsw': {'base': 65400, 'per': 'tier'}}}),
    'fswnoconfed': lambda f: f.update({'asn-scheme': {
        'confederation': {'enabled': False}}}),
    'policynoout': lambda f: f.update({'policy': {'rule': [
        {'tier': 'fsw', 'direction': 'in', 'peer-tier': 'ssw', 'sequence': 10,
         'action': 'permit'}]}}),
    # the NSDI'21 incident: RSWs drop an FSW's paths 30 s after it went down,
    # while it may wait 120 s before its End-of-RIB
    'grstale': lambda f: f.update({'graceful-restart': {'tier': [
        {'name': 'rsw', 'stale-time': 30}]}}),
    'policyunknowntype': lambda f: f.update({'policy': {'rule': [
        {'tier': 'rsw', 'direction': 'out', 'peer-tier': 'fsw', 'sequence': 10,
         'match-route-type': ['no_such_type'], 'action': 'permit'}]}}),
}


def asnoverflow(f):
    f['shape']['rsws-per-pod'] = 100
    f['asn-scheme'] = {'rsw': {'base': 65450}}
    pools(f)['loopback']['ipv4'] = '10.0.0.0/16'
    pools(f)['point-to-point']['ipv4'] = '10.1.0.0/16'


def sswlink(f):
    dev(f, 'ssw-1-1')['interface'].append({'name': 'eth9', 'ipv4': '10.9.0.0/31'})
    dev(f, 'ssw-1-2')['interface'].append({'name': 'eth9', 'ipv4': '10.9.0.1/31'})
    f['link'].append({'a-device': 'ssw-1-1', 'a-interface': 'eth9',
                      'b-device': 'ssw-1-2', 'b-interface': 'eth9'})


def wrongplane(f):
    for l in f['link']:
        if l['a-device'] == 'ssw-1-1' and l['b-device'] == 'fsw-1-1':
            l['a-device'], l['a-interface'] = 'ssw-2-1', 'eth9'
    dev(f, 'ssw-2-1')['interface'].append({'name': 'eth9', 'ipv4': '10.1.0.16/31'})


def fswcount(f):
    f['device'] = [x for x in f['device'] if x['name'] != 'fsw-2-2']
    f['link'] = [l for l in f['link']
                 if 'fsw-2-2' not in (l['a-device'], l['b-device'])]


def linksubnet(f):
    for i in dev(f, 'rsw-1-1')['interface']:
        if i['name'] == 'eth1':
            i['ipv4'] = '10.1.7.1/31'


EXPLICIT = {
    'dupname': lambda f: f['device'].append(copy.deepcopy(dev(f, 'rsw-1-1'))),
    'sswlink': sswlink,
    'wrongplane': wrongplane,
    'missinglink': lambda f: f.update(link=[
        l for l in f['link']
        if not (l['a-device'] == 'fsw-1-2' and l['b-device'] == 'rsw-1-1')]),
    'dupaddr': lambda f: dev(f, 'rsw-2-2').update(
        {'loopback-ipv4': dev(f, 'rsw-1-1')['loopback-ipv4']}),
    'unknownif': lambda f: f['link'][0].update({'a-interface': 'eth42'}),
    'ibgp': lambda f: dev(f, 'rsw-1-1').update(asn=dev(f, 'fsw-1-1')['asn']),
    'fswcount': fswcount,
    'linksubnet': linksubnet,
}

for name, fn in COMPACT.items():
    mk(compact, name, fn)
mk(compact, 'asnoverflow', asnoverflow)
for name, fn in EXPLICIT.items():
    mk(explicit, 'explicit_' + name, fn, indent=1)
