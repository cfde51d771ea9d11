import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AuthService } from '../auth/auth.service.js';
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
    private readonly auth: AuthService,
  ) {}

  @Query(() => [DeviceModel], {
    description: 'The connected devices (or with includeAll every device ever seen), by id.',
  })
  async devices(
    @Args() { ids, includeAll, include_all }: DevicesArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<DeviceModel[]> {
    if (ids != null) {
      this.auth.require(who, 'read', ids.map(allOf), 'graphql');
      return this.directory.withPresence(ids);
    }
    const devices = await this.directory.list(includeAll || include_all === true);
    return devices.filter((device) => who.canRead(allOf(device.id)));
  }

  @Query(() => DeviceModel, { description: 'One device, known or not.' })
  async device(
    @Args() { id }: DeviceArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<DeviceModel> {
    this.auth.require(who, 'read', [allOf(id)], 'graphql');
    const [device] = await this.directory.withPresence([id]);
    return device;
  }

  @Mutation(() => JSONScalar, {
    description:
      'Marks the device connected (until disconnectDevice) and sets its metadata; answers what changed.',
  })
  connectDevice(
    @Args() args: ConnectDeviceArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<ChangeReport> {
    return this.mutations.connect(this.writable(args, who), args.meta ?? null);
  }

  @Mutation(() => JSONScalar, {
    description: "Replaces the device's metadata; answers what changed.",
  })
  updateDeviceMeta(
    @Args() args: DeviceMetaArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<ChangeReport> {
    return this.mutations.updateMeta(this.writable(args, who), args.meta);
  }

  @Mutation(() => JSONScalar, {
    description:
      'Undoes connectDevice (open push connections keep it connected); answers what changed.',
  })
  disconnectDevice(
    @Args() args: DeviceIdArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<ChangeReport> {
    return this.mutations.disconnect(this.writable(args, who));
  }

  @ResolveField(() => JSONScalar, { description: 'The JSON metadata object ({} when none).' })
  meta(@Parent() device: DeviceModel): Promise<Record<string, unknown>> {
    return this.directory.meta(device.id);
  }

  @ResolveField(() => [String], { description: 'Its streams, without the `<id>:` prefix.' })
  streamIds(
    @Parent() device: DeviceModel,
    @Args() { device_id }: DeviceStreamsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<string[]> {
    return this.directory.streamIds(this.readable(device, device_id, who), who);
  }

  @ResolveField(() => [String], { description: 'The same as streamIds.' })
  sids(
    @Parent() device: DeviceModel,
    @Args() { device_id }: DeviceStreamsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<string[]> {
    return this.streamIds(device, { device_id }, who);
  }

  @ResolveField(() => [StreamModel], {
    description: 'Its streams (and those with metadata only): full ids in `sid`.',
  })
  streams(
    @Parent() device: DeviceModel,
    @Args() { device_id }: DeviceStreamsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<StreamModel[]> {
    return this.directory.deviceStreams(this.readable(device, device_id, who), who);
  }

  @ResolveField(() => StreamModel, {
    description: 'One of its streams, by its id under the device.',
  })
  stream(
    @Parent() device: DeviceModel,
    @Args() { sid, streamId }: DeviceStreamArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<StreamModel> {
    const name = sid ?? streamId;
    if (name == null) throw badRequest('name the stream with sid');
    const full = deviceStreamPrefix(device.id) + name;
    this.auth.require(who, 'read', [full], 'graphql');
    return this.streamMeta.stream(full);
  }

  /** The device a mutation names, which the caller must be allowed to write. */
  private writable(args: DeviceIdArgs, who: Principal): string {
    const { id, deviceId } = args;
    if (id != null && deviceId != null && id !== deviceId) {
      throw badRequest('id and deviceId name different devices');
    }
    const named = id ?? deviceId;
    if (named == null) throw badRequest('name the device with id');
    this.auth.require(who, 'write', [allOf(named)], 'graphql');
    return named;
  }

  /** This device, or the one `device_id` names (which the caller must be allowed to read). */
  private readable(device: DeviceModel, other: string | null | undefined, who: Principal): string {
    if (other == null || other === device.id) return device.id;
    this.auth.require(who, 'read', [allOf(other)], 'graphql');
    return other;
  }
}
