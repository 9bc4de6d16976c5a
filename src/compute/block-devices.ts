// The block devices a boot asks for (block_device_mapping_v2) and the rules
// Nova holds them to before anything is created: the format of each mapping,
// a boot sequence starting at 0, ephemeral and swap disks that fit in the
// flavor, and at most [DEFAULT] max_local_block_devices local disks. There is
// no block storage, so only the local disks (the image root, blank ephemeral
// and swap disks) can be booted with; volumes are refused.
import { Invalid } from './errors.js';

/** One mapping as the API takes it (the create schema has checked each field's type). */
export interface RequestedBlockDevice {
  readonly source_type?: string;
  readonly destination_type?: string;
  readonly uuid?: string;
  readonly guest_format?: string;
  readonly boot_index?: number | string | null;
  readonly volume_size?: number | string;
  readonly volume_type?: string | null;
  readonly disk_bus?: string;
  readonly device_name?: string;
  readonly no_device?: unknown;
}

/** A mapping after the format checks, with Nova's defaults filled in. */
export interface BlockDevice {
  readonly sourceType: string | null;
  readonly destinationType: string | null;
  readonly guestFormat: string | null;
  /** null (or negative) = not a boot device. */
  readonly bootIndex: number | null;
  /** GiB; null = the flavor's size for an ephemeral or swap disk. */
  readonly volumeSize: number | null;
  readonly imageId: string | null;
  readonly diskBus: string | null;
  readonly noDevice: boolean;
}

/** The disk buses a mapping may name. */
const DISK_BUSES = new Set(['fdc', 'ide', 'sata', 'scsi', 'usb', 'virtio', 'xen', 'lxc', 'uml']);

const invalidFormat = (details: string) => new Invalid(`Block Device Mapping is Invalid: ${details}`);

const isEphemeral = (d: BlockDevice) => d.sourceType === 'blank' && d.destinationType === 'local' && d.guestFormat !== 'swap';
const isSwap = (d: BlockDevice) => d.sourceType === 'blank' && d.destinationType === 'local' && d.guestFormat === 'swap';

/**
 * Checks the format of each requested mapping (what Nova checks as it reads
 * the request, before looking anything up) and returns them in the form the
 * later rules use. `imageGiven`: the request has an imageRef.
 */
export function readBlockDeviceMappings(requested: readonly RequestedBlockDevice[], imageGiven: boolean): BlockDevice[] {
  return requested.map((bdm) => {
    const noDevice = Boolean(bdm.no_device);
    if (!noDevice) {
      const source = bdm.source_type;
      if (source === 'blank' && bdm.uuid) throw invalidFormat('Invalid device UUID.');
      if (source !== 'blank' && !bdm.uuid) throw invalidFormat('Missing device UUID.');
      if (source === 'image' && bdm.destination_type === 'local') {
        // Only the root disk made from the imageRef may map an image to a local disk.
        const index = bdm.boot_index === undefined || bdm.boot_index === null ? -1 : Number(bdm.boot_index);
        if (!(imageGiven && index === 0)) throw invalidFormat('Mapping image to local is not supported.');
      }
      if (bdm.destination_type === 'local' && bdm.volume_type)
        throw invalidFormat('Specifying a volume_type with destination_type=local is not supported.');
      if (source === 'volume' && bdm.volume_type) throw invalidFormat('Specifying volume type to existing volume is not supported.');
      if (source === undefined) throw invalidFormat('Some required fields are missing');
    }
    return {
      sourceType: bdm.source_type ?? null,
      destinationType: bdm.destination_type ?? null,
      guestFormat: bdm.guest_format ?? null,
      bootIndex: bdm.boot_index === undefined || bdm.boot_index === null ? null : Number(bdm.boot_index),
      volumeSize: bdm.volume_size === undefined || Number(bdm.volume_size) === 0 ? null : Number(bdm.volume_size),
      imageId: bdm.source_type === 'image' ? (bdm.uuid ?? null) : null,
      diskBus: bdm.disk_bus ?? null,
      noDevice,
    };
  });
}

/** What a plain image boot gets: the image as the root disk. */
export function imageRootDevice(imageId: string): BlockDevice {
  return {
    sourceType: 'image',
    destinationType: 'local',
    guestFormat: null,
    bootIndex: 0,
    volumeSize: null,
    imageId,
    diskBus: null,
    noDevice: false,
  };
}

/** A blank local disk of the flavor's, added when the request names none of its kind. */
function flavorDisk(size: number, guestFormat: string | null): BlockDevice {
  return {
    sourceType: 'blank',
    destinationType: 'local',
    guestFormat,
    bootIndex: -1,
    volumeSize: size,
    imageId: null,
    diskBus: null,
    noDevice: false,
  };
}

export interface FlavorDisks {
  readonly ephemeral_gb: number;
  readonly swap: number;
}

/**
 * The rules a boot's devices must keep once the flavor is known, in Nova's
 * order: boot indexes 0, 1, 2… with at least one; known disk buses; the
 * ephemeral disks together no larger than the flavor's (a disk without a
 * size counts as the flavor's whole ephemeral size); one swap disk, no
 * larger than the flavor's; at most `maxLocal` local disks (negative = no
 * limit), the flavor's own ephemeral and swap disks included.
 */
export function checkBlockDevices(requested: readonly BlockDevice[], flavor: FlavorDisks, maxLocal: number): void {
  const devices = [...requested];
  if (flavor.ephemeral_gb && !devices.some(isEphemeral)) devices.push(flavorDisk(flavor.ephemeral_gb, null));
  if (flavor.swap && !devices.some(isSwap)) devices.push(flavorDisk(flavor.swap, 'swap'));

  const bootIndexes = devices
    .map((d) => d.bootIndex)
    .filter((i): i is number => i !== null && i >= 0)
    .sort((a, b) => a - b);
  if (bootIndexes.length === 0 || bootIndexes.some((index, position) => index !== position))
    throw new Invalid('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');

  // Nova's message for an unknown bus is the generic one.
  if (devices.some((d) => d.diskBus !== null && !DISK_BUSES.has(d.diskBus))) throw new Invalid('Block Device Mapping is Invalid.');

  const ephemeralSize = devices.filter(isEphemeral).reduce((sum, d) => sum + (d.volumeSize ?? flavor.ephemeral_gb), 0);
  if (ephemeralSize > flavor.ephemeral_gb)
    throw new Invalid(
      'Ephemeral disks requested are larger than the instance type allows. If no size is given in one block device mapping, flavor ephemeral size will be used.',
    );

  const swaps = devices.filter(isSwap);
  if (swaps.length > 1) throw invalidFormat('More than one swap drive requested.');
  if (swaps.length === 1 && (swaps[0]!.volumeSize ?? 0) > flavor.swap) throw new Invalid('Swap drive requested is larger than instance type allows.');

  if (maxLocal >= 0 && devices.filter((d) => d.destinationType === 'local').length > maxLocal)
    throw new Invalid('Block Device Mapping is Invalid: You specified more local devices than the limit allows');
}
