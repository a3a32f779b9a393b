#!/usr/bin/env python3
"""--shm-seals: with "prefer" (the default) an unsealed pool is accepted; with
"require" only memfds sealed against shrinking and growing may become pools,
and the refusal says which seal is missing."""

import harness
from harness import check


def prefer_accepts_unsealed_and_sealed_pools():
    with harness.Compositor('--shm-seals=prefer') as comp:
        for scenario in ('pool-unsealed', 'pool-sealed'):
            result, error_line, _ = comp.probe(scenario)
            check(result == 'ok', '--shm-seals=prefer accepts %s (got %r; %s)'
                  % (scenario, result, error_line))
        comp.run([harness.program('sealway-shm'), '--unsealed', '--frames', '3'],
                 check_status=0)


def require_refuses_an_unsealed_memfd_naming_f_seal_shrink():
    with harness.Compositor('--shm-seals=require') as comp:
        comp.roundtrip()
        baseline = comp.settled_fd_count()
        result, error_line, message = comp.probe('pool-unsealed')
        check(result == 'protocol-error interface=wl_shm code=2',
              '--shm-seals=require answers an unsealed pool with wl_shm invalid_fd (2) '
              '(got %r; %s)' % (result, error_line))
        check(message and 'F_SEAL_SHRINK' in message,
              'the refusal names the missing F_SEAL_SHRINK (got "%s")' % message)
        comp.check_alive('an unsealed pool in require mode')
        check(comp.wait_fd_count(baseline) == baseline,
              'the refused pool leaves no fd behind (%d before, %d after)'
              % (baseline, comp.fd_count()))


def require_accepts_a_sealed_memfd():
    with harness.Compositor('--shm-seals=require') as comp:
        result, error_line, _ = comp.probe('pool-sealed')
        check(result == 'ok', '--shm-seals=require accepts a memfd sealed SHRINK|GROW '
              '(got %r; %s)' % (result, error_line))
        comp.run([harness.program('sealway-shm'), '--frames', '3'], check_status=0)


def require_refuses_our_own_client_without_seals():
    with harness.Compositor('--shm-seals=require') as comp:
        res = comp.run([harness.program('sealway-shm'), '--unsealed', '--frames', '3'])
        check(res.returncode != 0, 'sealway-shm --unsealed fails against '
              '--shm-seals=require (it exited 0)')
        check('F_SEAL_SHRINK' in res.stderr, 'and the client is told F_SEAL_SHRINK is '
              'missing (stderr: %s)' % res.stderr.strip())
        comp.roundtrip()


if __name__ == '__main__':
    harness.main({f.__name__: f for f in (
        prefer_accepts_unsealed_and_sealed_pools,
        require_refuses_an_unsealed_memfd_naming_f_seal_shrink,
        require_accepts_a_sealed_memfd,
        require_refuses_our_own_client_without_seals)})
