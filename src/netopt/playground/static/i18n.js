// English / 中文 labels of the playground. Every element with data-i18n="key" gets its text
// from here; data-i18n-title="key" sets its tooltip (title) and aria-label.
"use strict";
const I18N = {
  title: ["netopt playground", "netopt 演练场"],
  subtitle: ["Neural-network optimization, live, on netopt's own math",
             "网络优化,实时演示,全部由 netopt 自己计算"],
  lang: ["中文", "English"],
  lang_tip: ["Switch the page to Chinese", "切换为英文"],
  tab_network: ["Network", "网络"],
  tab_race: ["Optimizer race", "优化器竞赛"],
  play: ["Play", "运行"], pause: ["Pause", "暂停"], step: ["Step", "单步"], reset: ["Reset", "重置"],
  play_tip: ["Train continuously (space)", "连续训练(空格)"],
  step_tip: ["Train one epoch", "训练一个周期"],
  reset_tip: ["Rebuild the network with the same seed", "用同一随机种子重建网络"],
  epoch: ["Epoch", "周期"], steps: ["steps", "步"],
  data: ["Data", "数据"], dataset: ["Dataset", "数据集"],
  circle: ["Circle", "圆形"], xor: ["XOR", "异或"], gauss: ["Gaussian", "高斯簇"],
  spiral: ["Spiral", "螺旋"], plane: ["Plane (regression)", "平面(回归)"],
  polynomial: ["Polynomial (regression)", "多项式(回归)"],
  n: ["Points", "样本数"], noise: ["Noise", "噪声"], train_ratio: ["Training share", "训练集比例"],
  batch: ["Batch size", "批大小"], seed: ["Seed", "随机种子"],
  features: ["Features", "输入特征"], features_tip: ["Inputs fed to the network", "输入网络的特征"],
  network: ["Network", "网络结构"], layers: ["Hidden layers", "隐藏层数"],
  units: ["Units in layer", "该层神经元数"], activation: ["Activation", "激活函数"],
  sigmoid: ["Sigmoid", "Sigmoid"], tanh: ["Tanh", "Tanh"], relu: ["ReLU", "ReLU"],
  leaky_relu: ["Leaky ReLU", "Leaky ReLU"], elu: ["ELU", "ELU"],
  init: ["Initialization", "初始化"], xavier: ["Xavier", "Xavier"], he: ["He", "He"],
  init_scale: ["Init scale", "初始化缩放"],
  init_scale_tip: ["Multiply the initial weights: small gives vanishing, large exploding gradients",
                   "初始权重乘以该因子:过小导致梯度消失,过大导致梯度爆炸"],
  batchnorm: ["Batch normalization", "批归一化"], dropout: ["Dropout", "Dropout 丢弃率"],
  regularization: ["Regularization", "正则化"], reg: ["Penalty", "惩罚项"],
  none: ["None", "无"], l1: ["L1", "L1"], l2: ["L2", "L2"], reg_rate: ["Rate", "系数"],
  optimizer: ["Optimizer", "优化器"], sgd: ["SGD", "SGD"], momentum_opt: ["Momentum", "动量法"],
  nesterov: ["Nesterov", "Nesterov 加速"], adagrad: ["AdaGrad", "AdaGrad"],
  rmsprop: ["RMSProp", "RMSProp"], adam: ["Adam", "Adam"], adamw: ["AdamW", "AdamW"],
  lr: ["Learning rate", "学习率"], momentum: ["Momentum β", "动量 β"],
  beta1: ["β1", "β1"], beta2: ["β2", "β2"], alpha: ["RMSProp ρ", "RMSProp ρ"],
  weight_decay: ["Weight decay", "权重衰减"],
  schedule: ["LR schedule", "学习率调度"], step_sched: ["Step", "阶梯衰减"],
  exponential: ["Exponential", "指数衰减"], cosine: ["Cosine", "余弦退火"],
  warm_restarts: ["Cosine, warm restarts", "带热重启的余弦"], warmup: ["Linear warm-up", "线性预热"],
  plateau: ["Reduce on plateau", "平台期衰减"], step_size: ["Step size", "步长"],
  gamma: ["Factor γ", "衰减因子 γ"], t_max: ["Period T", "周期 T"],
  warmup_epochs: ["Warm-up epochs", "预热周期数"], patience: ["Patience", "耐心值"],
  clip: ["Gradient clipping", "梯度截断"], clip_norm: ["By norm", "按范数"],
  clip_value_opt: ["By value", "按值"], clip_value: ["Threshold", "阈值"],
  grid: ["Grid resolution", "网格分辨率"],
  output: ["Output", "输出"], train_loss: ["Training loss", "训练损失"],
  test_loss: ["Test loss", "测试损失"], show_test: ["Show test points", "显示测试点"],
  loss_chart: ["Loss per epoch", "每周期损失"], lr_chart: ["Learning rate", "学习率曲线"],
  grad_chart: ["Gradient norm per layer", "各层梯度范数"],
  grad_tip: ["‖∂J/∂W‖ of each Linear layer on the training set, log scale; the first layer is darkest",
             "训练集上每个线性层权重梯度的范数(对数坐标);第一层颜色最深"],
  saturation: ["Saturated (sigmoid/tanh) or dead (ReLU) fraction per layer",
               "各层饱和(sigmoid/tanh)或死亡(ReLU)单元比例"],
  layer: ["layer", "层"],
  copy_python: ["Copy as Python", "复制为 Python"],
  copy_tip: ["A netopt script that reproduces this run exactly", "精确复现本次训练的 netopt 脚本"],
  copied: ["Copied: run it with python to get the same losses",
           "已复制:用 python 运行可得到相同的损失"],
  share_tip: ["The address bar holds every setting: share it", "地址栏包含全部设置,可直接分享"],
  diverged: ["Diverged: the loss is not finite. Lower the learning rate or clip gradients.",
             "发散:损失不是有限数。请降低学习率或使用梯度截断。"],
  surface: ["Surface", "损失曲面"], ravine: ["Ravine (chapter)", "峡谷(教材)"],
  rosenbrock: ["Rosenbrock", "Rosenbrock"], saddle: ["Saddle", "鞍点"], beale: ["Beale", "Beale"],
  quadratic: ["Quadratic (your eigenvalues)", "二次函数(自定特征值)"],
  eig1: ["Eigenvalue λ1", "特征值 λ1"], eig2: ["Eigenvalue λ2", "特征值 λ2"],
  race_steps: ["Max steps", "最大步数"], racers: ["Racers", "参赛优化器"],
  add_racer: ["Add racer", "添加"], remove: ["Remove", "删除"],
  run_race: ["Race", "开始竞赛"],
  race_tip: ["Click the surface to start every optimizer from that point",
             "点击曲面,所有优化器从该点出发"],
  start_point: ["Start", "起点"], reached: ["reached the minimum in", "到达最小值,用了"],
  not_reached: ["did not reach the minimum in", "未到达最小值,已走"],
  diverged_short: ["diverged after", "发散,步数"],
  stable_lr: ["Gradient descent is stable for α < 2/λmax =", "梯度下降稳定条件 α < 2/λmax ="],
  error: ["Error", "错误"],
  aria_net: ["Network diagram: each unit's output over the plane, links as thick as the weights",
             "网络结构图:每个神经元在平面上的输出,连线粗细表示权重大小"],
  aria_boundary: ["Network output over the plane with the data points", "网络在平面上的输出及数据点"],
  aria_loss: ["Training and test loss per epoch", "每周期的训练与测试损失"],
  aria_lr: ["Learning rate per epoch", "每周期的学习率"],
  aria_grads: ["Gradient norm of each layer per epoch", "每周期各层的梯度范数"],
  aria_surface: ["Loss surface contours with the optimizers' paths; click or press Enter to race",
                 "损失曲面等高线及各优化器轨迹;点击或按回车开始竞赛"],
  script_label: ["Python script", "Python 脚本"],
  x: ["x", "x"], y: ["y", "y"],
  findings: ["Diagnosis (netopt.diagnose)", "诊断(netopt.diagnose)"],
  findings_none: ["No problem found so far.", "暂未发现问题。"],
  remedies: ["Remedies", "对策"],
  exploding_gradients: ["Exploding gradients", "梯度爆炸"],
  vanishing_gradients: ["Vanishing gradients", "梯度消失"],
  saturation_kind: ["Saturated units", "神经元饱和"],
  dead_units: ["Dead ReLU units", "ReLU 神经元死亡"],
  underfitting: ["Underfitting", "欠拟合"], overfitting: ["Overfitting", "过拟合"],
  accuracy: ["Accuracy train / test", "准确率 训练/测试"], r2: ["R² train / test", "R² 训练/测试"],
};
// netopt.diagnose's remedies (REMEDIES in diagnose/findings.py) in Chinese, kind by kind in
// the same order; tests/playground/test_logic.py checks the counts against Python's lists.
// The findings' messages carry measured numbers and stay in English (marked lang="en").
const BEYOND_ZH = "(不在本章所列对策中)";
const REMEDIES_ZH = {
  exploding_gradients: [
    "在隐藏层使用 ReLU 及其变体(正输入处导数为 1)",
    "梯度截断:把梯度范数限制在阈值以内(clip_grad_norm_)",
    "权重正则化(L1 或 L2),使权重保持较小",
    "在每个激活函数之前使用批归一化",
    "更小的学习率" + BEYOND_ZH,
  ],
  vanishing_gradients: [
    "在隐藏层使用 ReLU 及其变体(正输入处导数为 1)",
    "梯度截断(针对的是梯度爆炸)",
    "权重正则化,L1 或 L2",
    "在每个激活函数之前使用批归一化",
  ],
  saturation: [
    "使用不饱和的激活函数:ReLU 及其变体(Leaky ReLU、ELU)",
    "在每个激活函数之前使用批归一化,使其输入保持在 0 附近",
    "更小的初始权重" + BEYOND_ZH,
  ],
  dead_units: [
    "使用 Leaky ReLU,它在负输入处的斜率不为 0",
    "使用 ELU,它在负输入处的取值和导数都不为 0",
    "更小的学习率" + BEYOND_ZH,
    "在每个激活函数之前使用批归一化" + BEYOND_ZH,
  ],
  underfitting: [
    "添加新特征,扩大假设空间",
    "添加多项式特征(二次、三次或更高次项)",
    "减小正则化系数",
    "使用非线性模型,例如带(更多)隐藏层的网络",
    "使用集成学习:把多个弱模型组合成一个强模型",
  ],
  overfitting: [
    "限制模型复杂度:减少特征(特征选择)或降维(PCA)",
    "对参数进行 L1 或 L2 正则化",
    "数据增强:更多样本,或变换后的样本(旋转、平移、加噪声)",
    "依据验证损失提前停止",
    "Dropout",
    "用交叉验证(5 折或 10 折)选择模型",
    "集成学习(Boosting、Bagging、随机森林)",
  ],
};

let LANG = "en";

function t(key) {
  const entry = I18N[key];
  if (!entry) return key;
  return entry[LANG === "zh" ? 1 : 0];
}

function remedy(kind, i, english) {
  const zh = REMEDIES_ZH[kind];
  return LANG === "zh" && zh && zh[i] ? zh[i] : english;
}

function applyLanguage(lang) {
  LANG = lang;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of document.querySelectorAll("[data-i18n-title]")) {
    el.title = t(el.dataset.i18nTitle);
    el.setAttribute("aria-label", t(el.dataset.i18nTitle));
  }
  document.title = t("title");
}
