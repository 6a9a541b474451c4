# The registry these machines use serves only Linux x64 builds, so npm writes
# package-lock.json with optionalDependencies (other platforms' binaries) that have
# no entry of their own, and `npm ci` then refuses the lock as out of sync.
# This drops those dangling references; run it after any `npm install`.
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else 'package-lock.json'
lock = json.load(open(path))
packages = lock['packages']
removed = 0
for key, entry in packages.items():
    optional = entry.get('optionalDependencies')
    if not optional:
        continue
    nested = (key + '/node_modules/') if key else 'node_modules/'
    for name in list(optional):
        if nested + name not in packages and 'node_modules/' + name not in packages:
            del optional[name]
            removed += 1
    if not optional:
        del entry['optionalDependencies']
with open(path, 'w') as f:
    json.dump(lock, f, indent=2)
    f.write('\n')
print(f'pruned {removed} dangling optional dependencies')
