import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { readableBy } from '../auth/access-policy.js';
import { Authorize } from '../auth/authorize.decorator.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { badRequest } from '../common/errors.js';
import { GraphQLErrorFilter } from '../graphql/graphql-errors.js';
import { JSONScalar } from '../graphql/json.scalar.js';
import { StreamModel } from '../streams-api/models/stream.model.js';
import { StreamMetaService } from '../streams-api/stream-meta.service.js';
import { deviceStreamPrefix } from './device-id.js';
import {
  ConnectDeviceArgs,
  DeviceArgs,
  DeviceIdArgs,
  DeviceMetaArgs,
  DevicesArgs,
  DeviceStreamArgs,
  DeviceStreamsArgs,
} from './dto/device.args.js';
import { DeviceDirectory } from './device-directory.service.js';
import { ChangeReport, DeviceMutations } from './device-mutations.service.js';
import { DeviceModel } from './models/device.model.js';

/** The permission pattern of everything a device has: `<id>:*`. */
export const allOf = (id: string) => `${deviceStreamPrefix(id)}*`;

/** The device a mutation names (by `id` or `deviceId`), which the caller must be allowed to write. */
function named({ id, deviceId }: DeviceIdArgs): string {
  if (id != null && deviceId != null && id !== deviceId) {
    throw badRequest('id and deviceId name different devices');
  }
  const device = id ?? deviceId;
  if (device == null) throw badRequest('name the device with id');
  return device;
}

/** The device a field lists the streams of: its parent, or the one `device_id` names. */
function listed(device: DeviceModel, other: string | null | undefined): string {
  return other == null ? device.id : other;
}

/** The full id of the stream a `Device.stream` field names. */
function deviceStream(device: DeviceModel, { sid, streamId }: DeviceStreamArgs): string {
  const name = sid ?? streamId;
  if (name == null) throw badRequest('name the stream with sid');
  return deviceStreamPrefix(device.id) + name;
}

/** Reading another device's streams through `device_id` needs read permission on that device. */
const otherDevice = ({ device_id }: DeviceStreamsArgs, device: DeviceModel) =>
  device_id == null || device_id === device.id ? null : [allOf(device_id)];

/**
 * Device queries and mutations (docs/devices.md), with the original's names. A caller sees
 * the devices whose streams (`<id>:*`) it may read, and changes those it may write.
 */
@Resolver(() => DeviceModel)
@UseFilters(GraphQLErrorFilter)
export class DevicesResolver {
  constructor(
    private readonly directory: DeviceDirectory,
    private readonly mutations: DeviceMutations,
    private readonly streamMeta: StreamMetaService,
  ) {}

  @Query(() => [DeviceModel], {
    description: 'The connected devices (or with includeAll every device ever seen), by id.',
  })
  @Authorize('read', ({ ids }: DevicesArgs) => ids?.map(allOf))
  async devices(
    @Args() { ids, includeAll, include_all }: DevicesArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<DeviceModel[]> {
    if (ids != null) return this.directory.withPresence(ids);
    const devices = await this.directory.list(includeAll || include_all === true);
    return readableBy(who, devices, (device) => allOf(device.id));
  }

  @Query(() => DeviceModel, { description: 'One device, known or not.' })
  @Authorize('read', ({ id }: DeviceArgs) => [allOf(id)])
  async device(@Args() { id }: DeviceArgs): Promise<DeviceModel> {
    const [device] = await this.directory.withPresence([id]);
    return device;
  }

  @Mutation(() => JSONScalar, {
    description:
      'Marks the device connected (until disconnectDevice) and sets its metadata; answers what changed.',
  })
  @Authorize('write', (args: ConnectDeviceArgs) => [allOf(named(args))])
  connectDevice(@Args() args: ConnectDeviceArgs): Promise<ChangeReport> {
    return this.mutations.connect(named(args), args.meta ?? null);
  }

  @Mutation(() => JSONScalar, {
    description: "Replaces the device's metadata; answers what changed.",
  })
  @Authorize('write', (args: DeviceMetaArgs) => [allOf(named(args))])
  updateDeviceMeta(@Args() args: DeviceMetaArgs): Promise<ChangeReport> {
    return this.mutations.updateMeta(named(args), args.meta);
  }

  @Mutation(() => JSONScalar, {
    description:
      'Undoes connectDevice (open push connections keep it connected); answers what changed.',
  })
  @Authorize('write', (args: DeviceIdArgs) => [allOf(named(args))])
  disconnectDevice(@Args() args: DeviceIdArgs): Promise<ChangeReport> {
    return this.mutations.disconnect(named(args));
  }

  @ResolveField(() => JSONScalar, { description: 'The JSON metadata object ({} when none).' })
  meta(@Parent() device: DeviceModel): Promise<Record<string, unknown>> {
    return this.directory.meta(device.id);
  }

  @ResolveField(() => [String], { description: 'Its streams, without the `<id>:` prefix.' })
  @Authorize('read', otherDevice)
  streamIds(
    @Parent() device: DeviceModel,
    @Args() { device_id }: DeviceStreamsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<string[]> {
    return this.directory.streamIds(listed(device, device_id), who);
  }

  @ResolveField(() => [String], { description: 'The same as streamIds.' })
  @Authorize('read', otherDevice)
  sids(
    @Parent() device: DeviceModel,
    @Args() { device_id }: DeviceStreamsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<string[]> {
    return this.directory.streamIds(listed(device, device_id), who);
  }

  @ResolveField(() => [StreamModel], {
    description: 'Its streams (and those with metadata only): full ids in `sid`.',
  })
  @Authorize('read', otherDevice)
  streams(
    @Parent() device: DeviceModel,
    @Args() { device_id }: DeviceStreamsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<StreamModel[]> {
    return this.directory.deviceStreams(listed(device, device_id), who);
  }

  @ResolveField(() => StreamModel, {
    description: 'One of its streams, by its id under the device.',
  })
  @Authorize('read', (args: DeviceStreamArgs, device: DeviceModel) => [deviceStream(device, args)])
  stream(@Parent() device: DeviceModel, @Args() args: DeviceStreamArgs): Promise<StreamModel> {
    return this.streamMeta.stream(deviceStream(device, args));
  }
}
