class TinyLinear(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  fc : __torch__.torch.nn.modules.linear.Linear
  def forward(self: __torch__.safeload_ts_models.TinyLinear,
    x: Tensor) -> Tensor:
    fc = self.fc
    return torch.relu((fc).forward(x, ))
