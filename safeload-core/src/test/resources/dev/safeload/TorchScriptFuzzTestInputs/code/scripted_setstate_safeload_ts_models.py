class WithSetState(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  fc : __torch__.torch.nn.modules.linear.___torch_mangle_1.Linear
  scale : __torch__.safeload_ts_models.Scale
  def forward(self: __torch__.safeload_ts_models.WithSetState,
    x: Tensor) -> Tensor:
    scale = self.scale
    fc = self.fc
    _0 = (scale).forward((fc).forward(x, ), )
    return _0
class Scale(Module):
  __parameters__ = []
  __buffers__ = ["gain", ]
  gain : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  eps : float
  def forward(self: __torch__.safeload_ts_models.Scale,
    x: Tensor) -> Tensor:
    gain = self.gain
    _1 = torch.mul(x, gain)
    eps = self.eps
    return torch.add(_1, eps)
  def __getstate__(self: __torch__.safeload_ts_models.Scale) -> Tuple[float, Tensor, bool]:
    eps = self.eps
    gain = self.gain
    training = self.training
    return (eps, gain, training)
  def __setstate__(self: __torch__.safeload_ts_models.Scale,
    state: Tuple[float, Tensor, bool]) -> NoneType:
    self.eps = (state)[0]
    self.gain = (state)[1]
    self.training = (state)[2]
    return None
