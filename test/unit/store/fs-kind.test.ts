// Network filesystem detection (WAL is unsafe there), fed with mountinfo lines as Linux prints them.
import test from 'ava';
import { filesystemTypeIn, isNetworkType, isNetworkFilesystem } from '../../../src/store/index.ts';

const mountinfo = [
  '22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '40 22 0:35 / /home rw,relatime shared:20 - nfs4 fileserver:/export/home rw,vers=4.2',
  '41 22 0:36 / /mnt/lustre rw,relatime shared:21 - lustre 10.0.0.1@o2ib:/fs rw,flock',
  '42 40 0:37 / /home/alice/scratch rw,relatime shared:22 - xfs /dev/sdb1 rw',
  '43 22 0:38 / /gpfs/work rw,relatime shared:23 - gpfs work rw',
  '44 22 0:39 / /mnt/with\\040space rw - cifs //srv/share rw',
].join('\n');

test('the deepest mount containing the path decides the filesystem type', (t) => {
  t.is(filesystemTypeIn(mountinfo, '/home/alice/project/_expyre'), 'nfs4');
  t.is(filesystemTypeIn(mountinfo, '/home/alice/scratch/_expyre'), 'xfs');
  t.is(filesystemTypeIn(mountinfo, '/mnt/lustre/bob'), 'lustre');
  t.is(filesystemTypeIn(mountinfo, '/gpfs/work/x'), 'gpfs');
  t.is(filesystemTypeIn(mountinfo, '/mnt/with space/x'), 'cifs');
  t.is(filesystemTypeIn(mountinfo, '/homeless'), 'ext4', 'a prefix of a name is not a parent dir');
});

test('NFS, Lustre, GPFS and CIFS count as network filesystems; ext4 and xfs do not', (t) => {
  for (const type of ['nfs', 'nfs4', 'lustre', 'gpfs', 'cifs', 'beegfs']) t.true(isNetworkType(type), type);
  for (const type of ['ext4', 'xfs', 'btrfs', 'tmpfs', null]) t.false(isNetworkType(type), String(type));
});

test('this machine\'s temp dir is on a local filesystem', (t) => {
  t.false(isNetworkFilesystem('/tmp'));
});
